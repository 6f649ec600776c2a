"""A tiny scripted UDP peer for testing the host's connection logic without a
board: it answers SCP requests from a small memory, and a test chooses how it
misbehaves (drop, delay and reverse, duplicate, wrong return codes)."""

import socket
import threading

from spinnc.formats import scp
from spinnc.formats.scp import Command, ReturnCode


class FakePeer:
    """A UDP SCP peer on 127.0.0.1 (ephemeral port) in a daemon thread.

    ``behave(peer, packet)`` returns a list of reply datagrams (default:
    :meth:`answer`); ``batch`` holds requests until that many have come (or
    none came for 50 ms) and answers them in reverse order.
    """

    def __init__(self, behave=None, batch: int = 0):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.05)
        self.port = self.socket.getsockname()[1]
        self.behave = behave or (lambda peer, packet: [peer.answer(packet)])
        self.batch = batch
        self.memory = bytearray(4096)  # at 0x60000000
        self.requests = []  # every request received, resends included
        self.most_held = 0  # most requests waiting for their answers at once
        self.tries = {}  # seq -> requests received with it
        self._held = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.socket.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                datagram, address = self.socket.recvfrom(1024)
            except TimeoutError:
                self._flush()
                continue
            packet = scp.parse_scp(datagram)
            self.requests.append(packet)
            self.tries[packet.seq] = self.tries.get(packet.seq, 0) + 1
            if self.batch:
                self._held.append((packet, address))
                self.most_held = max(self.most_held, len(self._held))
                if len(self._held) >= self.batch:
                    self._flush()
                continue
            for reply in self.behave(self, packet):
                self.socket.sendto(reply, address)

    def _flush(self):
        for packet, address in reversed(self._held):
            for reply in self.behave(self, packet):
                self.socket.sendto(reply, address)
        self._held = []

    def reply(self, packet, rc=ReturnCode.OK, args=(), data=b""):
        """A reply datagram to ``packet``."""
        return scp.SCPPacket(rc, packet.seq, args, data, packet.sdp.reply()).pack()

    def answer(self, packet):
        """The correct answer: VER, READ and WRITE on the memory, else OK."""
        arg1, arg2 = packet.args[0], packet.args[1]
        if packet.cmd_rc == Command.VER:
            return self.reply(packet, args=(0, 0xFFFF0100, 0), data=scp.VERSION_TEXT)
        offset = arg1 - 0x60000000
        if packet.cmd_rc == Command.READ:
            return self.reply(packet, data=bytes(self.memory[offset:offset + arg2]))
        if packet.cmd_rc == Command.WRITE:
            self.memory[offset:offset + arg2] = packet.data
        return self.reply(packet)
