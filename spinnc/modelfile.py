"""Model files: Python files that define ``model``, a nengo.Network (as Nengo's GUI expects)."""

import runpy
import traceback
from pathlib import Path

import nengo

from .errors import ModelFileError


def load_model(path) -> nengo.Network:
    """Run a model file and return its ``model``.

    Raises
    ------
    ModelFileError
        If the file is missing, raises while it runs (the message gives the
        error and its line), defines no ``model`` network, or an empty one.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        namespace = runpy.run_path(str(path), run_name="__spinnc_model__")
    except Exception as error:  # the user's code: report whatever it raised
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if Path(f.filename).resolve() == path.resolve()]
        where = f" at line {frames[-1].lineno}" if frames else ""
        raise ModelFileError(f"{path}: {type(error).__name__}{where}: {error}") from error
    model = namespace.get("model")
    if model is None:
        raise ModelFileError(f"{path}: defines no `model`; assign the nengo.Network to "
                             "a variable named model")
    if not isinstance(model, nengo.Network):
        raise ModelFileError(f"{path}: `model` is a {type(model).__name__}, not a "
                             "nengo.Network")
    if not model.all_ensembles and not model.all_nodes:
        raise ModelFileError(f"{path}: `model` is an empty network (no ensembles or nodes): "
                             "there is nothing to map or run")
    return model
