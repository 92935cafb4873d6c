"""Bundled demo material: an entirely fictional, CC0-1.0 corpus of psychiatric evaluation reports."""
