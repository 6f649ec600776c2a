"""Names for nengo objects in messages: the label, or where the object is.

nengo names an unlabelled object by its memory address.  spinnc names it by
its type and size, its path in the network (``network1.ensemble0``, as the
Graph names it) and the file and line that created it:
``Ensemble (50 neurons, 2-D) 'network1.ensemble0' (created at model.py:12)``.

nengo does not record where objects are made, so from spinnc's import on
:func:`record_sites` notes, for each new nengo object, the first frame
outside nengo and spinnc and the networks it was made in (weak references:
nothing is kept alive).  Objects made before spinnc was imported have no
file:line.
"""

import os
import sys
import weakref

import nengo
from nengo.base import NengoObject
from nengo.ensemble import Neurons

_SITES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # obj -> (file, line, nets)
_SKIP = tuple(os.path.dirname(m.__file__) + os.sep for m in (nengo,)) + (
    os.path.dirname(os.path.abspath(__file__)) + os.sep,)


def record_sites() -> None:
    """Wrap ``NengoObject.__init__`` to note where each object is created
    (once per process; cheap: a few frames walked per object)."""
    if getattr(NengoObject.__init__, "_spinnc_sites", False):
        return
    init = NengoObject.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        try:
            _SITES[self] = _site() + (tuple(weakref.ref(n) for n in nengo.Network.context),)
        except TypeError:  # not hashable or weakly referenceable: no site
            pass

    __init__._spinnc_sites = True
    NengoObject.__init__ = __init__


def _site() -> tuple:
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_SKIP):
        frame = frame.f_back
    if frame is None:
        return (None, None)
    return (frame.f_code.co_filename, frame.f_lineno)


def site(obj) -> str | None:
    """``file:line`` where ``obj`` was created (None if not known)."""
    filename, line, _ = _SITES.get(obj, (None, None, ()))
    if filename is None:
        return None
    return f"{os.path.basename(filename)}:{line}"


def path(obj) -> str | None:
    """``obj``'s path in the networks it was made in, named as the Graph
    names unlabelled objects (``network1.ensemble0``); None if not known."""
    _, _, refs = _SITES.get(obj, (None, None, ()))
    nets = [r() for r in refs]
    if not nets or any(n is None for n in nets):
        return None
    parts = []
    for parent, net in zip(nets, nets[1:]):
        if net not in parent.networks:
            return None
        parts.append(net.label or f"network{parent.networks.index(net)}")
    kind, objs = _kind(obj, nets[-1])
    if objs is None or obj not in objs:
        return None
    parts.append(obj.label or f"{kind}{objs.index(obj)}")
    return ".".join(parts)


def _kind(obj, net):
    for kind, attr in (("ensemble", "ensembles"), ("node", "nodes"),
                       ("connection", "connections"), ("probe", "probes")):
        if isinstance(obj, getattr(nengo, kind.capitalize())):
            return kind, getattr(net, attr)
    return type(obj).__name__.lower(), None


def size(obj) -> str:
    """What sizes an object: neurons and dimensions, node sizes, ..."""
    if isinstance(obj, nengo.Ensemble):
        return f"{obj.n_neurons} neurons, {obj.dimensions}-D"
    if isinstance(obj, nengo.Node):
        return f"size_in {obj.size_in}, size_out {obj.size_out}"
    if isinstance(obj, nengo.Connection):
        return f"{describe(obj.pre_obj, short=True)} -> {describe(obj.post_obj, short=True)}"
    if isinstance(obj, nengo.Probe):
        return f"'{obj.attr}' of {describe(obj.obj, short=True)}"
    return ""


def describe(obj, short: bool = False) -> str:
    """Name a nengo object for a message: ``Type 'label'`` when labelled,
    else its type, size, path and creation site (``short``: type and path,
    or size, only)."""
    if isinstance(obj, Neurons):
        return f"the neurons of {describe(obj.ensemble, short)}"
    label = getattr(obj, "label", None)
    kind = type(obj).__name__
    if label:
        return f"{kind} '{label}'"
    if not isinstance(obj, NengoObject):
        return repr(obj) if not isinstance(obj, str) else obj
    where = path(obj)
    sized = size(obj)
    if short:
        return f"{kind} '{where}'" if where else f"{kind} ({sized})"
    text = f"{kind} ({sized})" if sized else kind
    if where:
        text += f" '{where}'"
    created = site(obj)
    if created:
        text += f" (created at {created})"
    return text
