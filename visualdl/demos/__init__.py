"""Demos: the one place where a picture's data is made.

Each demo runs the engine on a named example with a fixed seed and returns a
:class:`visualdl.trace.Trace`; scenes, gallery scripts and tests call them.
"""
