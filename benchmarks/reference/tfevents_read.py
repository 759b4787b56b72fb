"""Reads a TensorBoard event file without TensorFlow, to check the addon's writer
(test/tensorboard.test.ts) with code of its own: TFRecord framing with both masked CRC-32C
checksums verified (a bit-at-a-time CRC, not the writer's table), and a generic protobuf
decoder for Event / Summary / Value.

Usage: tfevents_read.py FILE  → prints JSON: [{"wall_time", "step", "file_version", "values": {tag: value}}]
"""

import json
import struct
import sys


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def fields(buf):
    """Yields (field number, wire type, value) of a protobuf message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            length, i = varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def main():
    data = open(sys.argv[1], "rb").read()
    events, i = [], 0
    while i < len(data):
        header = data[i:i + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[i + 8:i + 12])
        assert header_crc == masked(header), f"bad length checksum at byte {i}"
        payload = data[i + 12:i + 12 + length]
        (payload_crc,) = struct.unpack("<I", data[i + 12 + length:i + 16 + length])
        assert payload_crc == masked(payload), f"bad payload checksum at byte {i}"
        i += 16 + length
        event = {"wall_time": None, "step": 0, "file_version": None, "values": {}}
        for number, _, value in fields(payload):
            if number == 1:
                event["wall_time"] = struct.unpack("<d", value)[0]
            elif number == 2:
                event["step"] = value
            elif number == 3:
                event["file_version"] = value.decode()
            elif number == 5:
                for _, _, v in fields(value):
                    tag, simple = None, None
                    for n, _, x in fields(v):
                        if n == 1:
                            tag = x.decode()
                        elif n == 2:
                            simple = struct.unpack("<f", x)[0]
                    event["values"][tag] = simple
        events.append(event)
    print(json.dumps(events))


if __name__ == "__main__":
    main()
