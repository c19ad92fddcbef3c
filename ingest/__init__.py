"""Documents in, clean structure-aware TextNodes out. Imports neither index nor bot."""
