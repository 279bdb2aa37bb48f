"""Small runnable programs that show ember's APIs."""
