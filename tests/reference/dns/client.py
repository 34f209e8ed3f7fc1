import socket, sys
src, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(src, 0))
f = s.makefile('rb')
def reply():
    while True:
        line = f.readline()
        sys.stdout.write("S: " + line.decode('latin-1'))
        if len(line) < 4 or line[3:4] == b' ':
            return
reply()
for cmd in sys.argv[3:]:
    sys.stdout.write("C: " + cmd + "\n")
    s.sendall(cmd.encode('latin-1') + b'\r\n')
    reply()
