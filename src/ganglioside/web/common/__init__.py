"""What the web apps share (errors, throttles, authentication, pagination, events, JSON safety,
the static finder, the embedded database's lock handling); it imports none of the apps."""
