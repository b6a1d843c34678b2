"""The instructor's solution to the assignment: same API as assignment/, never shipped to students."""
