"""Laboratory results received from outside: the raw HL7 v2 messages as received, and what we answered."""
