"""Device-independent pieces: framing, codecs, checksums, manufacturers, file readers."""
