"""Host: the SC&MP host protocol (SDP/SCP over UDP, boot), loading an Image onto
a board, running it and reading back recordings and provenance.

Not built yet: see the host protocol issue.
"""
