"""Probes: import and call student code, and return facts about what happened.

A probe never decides a grade. Every call into student code goes through
`student_code`, which turns an exception into a `Failure` trimmed to the
student's own frames.
"""
