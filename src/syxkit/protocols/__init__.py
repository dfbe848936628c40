"""Sans-I/O handshake state machines (host side): fed bytes and the current time, they say what
to send, what happened and when to be called back. They never sleep, read a clock or touch a
port; ``syxkit.transfer`` runs them over real or simulated links."""
