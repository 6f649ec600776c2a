"""The demo: a sine wave into an ensemble x, and x squared decoded into a second ensemble.

Run it with ``spinnc demo``.
"""

from spinnc.demo import demo_model

model = demo_model()
