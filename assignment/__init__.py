"""Cats vs dogs: a CNN from scratch, trained under the control of Keras callbacks.

Work through the steps in order: data.py, model.py, callbacks.py, train.py.
Run `pytest grader` at any time to see your points and what is still missing.
"""
