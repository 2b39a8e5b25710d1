"""Manim scenes, one per idea; installed as ``visualdl.scenes``."""
