"""Pure protocol codecs (HL7 v2, X12, ...): bytes in, plain data out. No Django, no sockets."""
