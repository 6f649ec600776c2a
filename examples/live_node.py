"""A node driven live from outside: a knob that a callback (a GUI slider, a
sensor, a keyboard handler) turns while the model runs.

The node reads the knob's value, state outside the model, so spinnc calls it
on the host once per step, as nengo does, rather than sampling it when
compiling.  Run this file to turn the knob from a callback between steps.
"""

import nengo


class Knob:
    """A value set from outside the model while it runs."""

    def __init__(self, value: float = 0.0):
        self.value = value

    def turn(self, value: float) -> None:
        self.value = value


knob = Knob()

with nengo.Network(label="live knob", seed=2) as model:
    reading = nengo.Node(lambda t: knob.value, label="knob")
    motor = nengo.Ensemble(100, dimensions=1, label="motor")
    nengo.Connection(reading, motor)
    nengo.Probe(reading, label="knob")
    nengo.Probe(motor, synapse=0.01, label="motor")


def on_step(step: int) -> None:
    """The outside world: the knob is turned to 0.8 at 0.1 s, back to -0.4 at 0.3 s."""
    if step == 100:
        knob.turn(0.8)
    elif step == 300:
        knob.turn(-0.4)


if __name__ == "__main__":
    import spinnc

    with spinnc.Simulator(model) as sim:
        for step in range(500):
            on_step(step)
            sim.step()
        motor_probe = next(p for p in model.probes if p.label == "motor")
        for t in (0.1, 0.3, 0.5):
            print(f"motor at {t:.1f} s: {sim.data[motor_probe][int(t * 1000) - 1, 0]:+.2f}")
