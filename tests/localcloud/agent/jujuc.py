#!/usr/bin/python3 -IS
"""The hook tools' entry point in a machine: each tool name is a symlink to
this file.  It hands argv, cwd and its standard streams to the running
hook's tool server (hooktools.py serve-hook) and exits with the server's
exit code.  Builtin modules only, so that a call costs no more than a bare
interpreter start.  With no server to talk to (outside a hook) the tool
runs in-process, to print its --help or fail as Juju's tools do there.
"""
import _socket
import marshal
import os
import sys


def ask_server():
    """The tool's exit code from the server, or None if there is none."""
    ctx_id = os.environ.get("JUJU_CONTEXT_ID")
    address = os.environ.get("JUJU_AGENT_SOCKET_ADDRESS", "")
    if not ctx_id or not address.startswith("@"):
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect("\0" + address[1:])
    except OSError:
        return None
    body = marshal.dumps((ctx_id, sys.argv, os.getcwd()))
    fds = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))
    try:
        sock.sendmsg([len(body).to_bytes(8, "little")],
                     [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        sock.sendall(body)
        rc = sock.recv(1)
    except OSError:     # the server dropped the call (the hook has ended)
        rc = b""
    if not rc:
        sys.stderr.write("ERROR the unit agent gave no answer\n")
        return 1
    return rc[0]


def main():
    rc = ask_server()
    if rc is None:
        sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
        import hooktools
        rc = hooktools.main(sys.argv)
    return rc


if __name__ == "__main__":
    sys.exit(main())
