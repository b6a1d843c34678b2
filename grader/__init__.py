"""The autograder for the cats-vs-dogs callbacks assignment.

Probes run student code and return facts; verdicts judge facts against the
reference's facts; reports render the verdicts (README, "How the grader works").
"""

GRADER_VERSION = "0.1.0"
