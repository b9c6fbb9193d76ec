"""Gatepost's shell: settings, building everything from settings, jobs, the scheduler and the CLI.

Only this package imports all the others.
"""
