"""The synapses of connections, as the Graph carries them.

One place decides which nengo synapses the cores run and how the float Graph
describes them, so the builder, the passthrough fold and the quantiser agree.
"""

import nengo

from ..errors import UnsupportedFeature


def check(conn: nengo.Connection) -> None:
    """Raise UnsupportedFeature if the cores cannot run ``conn``'s synapse."""
    if conn.synapse is not None and type(conn.synapse) is not nengo.Lowpass:
        raise UnsupportedFeature(
            conn, f"synapse {conn.synapse}", "use synapse=None or nengo.Lowpass(tau)"
        )


def of(synapse):
    """The Graph's description of a nengo synapse: a Lowpass time constant
    in seconds, or None for no synapse."""
    return None if synapse is None else float(synapse.tau)
