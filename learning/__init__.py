"""Systematic education: courses, plans, quizzes, training classes, the study-hour ledger."""
