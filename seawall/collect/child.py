"""Entry point of the receiver process: ``python -m seawall.collect.child CONTROL NOTIFY``
(two inherited socket descriptors). Nothing imports this module, so running it as the
main module does not load it twice."""

from __future__ import annotations

import socket
import sys
from multiprocessing.connection import Connection

from seawall.collect.process import serve

if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])), socket.socket(fileno=int(sys.argv[2])))
