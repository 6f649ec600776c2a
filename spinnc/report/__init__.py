"""Reports: text, JSON and HTML reports and plots of how a model was mapped and ran.

Not built yet: see the command and reports issue.
"""
