"""The platform-agnostic core: state, decision engine, dialog state machine, replies."""
