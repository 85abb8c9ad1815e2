"""The only code that talks to the outside world: network listeners and clients (mllp/, …)."""
