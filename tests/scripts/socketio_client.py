"""A browser's Socket.IO connection, played by python-socketio: an implementation independent
of the Rust client, so the gateway's real-time endpoint is checked against both.

Usage: socketio_client.py URL TOKEN

Connects to URL with `auth: {token}` over WebSocket and stays connected as a browser's client
does: it reconnects on its own after a dropped connection, and connects again when the server
closed it (a gateway shutting down closes its sockets so they move to another replica). It
prints one JSON line per thing that happens: {"event": "connect"}, {"event": "disconnect"},
{"event": "connect_error", "data": ...}, or {"event": NAME, "data": ...} for every server event.
Stops when its standard input closes.
"""

import json
import sys
import time

import socketio


def say(event, data=None):
    print(json.dumps({"event": event, "data": data}), flush=True)


def main():
    url, token = sys.argv[1], sys.argv[2]
    client = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)

    @client.event
    def connect():
        say("connect")

    @client.event
    def connect_error(data):
        say("connect_error", data)

    def connect_again():
        # The client finishes its clean-up after this handler returns.
        time.sleep(0.2)
        while not client.connected:
            try:
                client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
            except socketio.exceptions.ConnectionError:
                time.sleep(0.2)

    @client.event
    def disconnect(reason=None):
        say("disconnect", str(reason) if reason is not None else None)
        if reason == client.reason.SERVER_DISCONNECT:
            client.start_background_task(connect_again)

    @client.on("*")
    def any_event(event, data=None):
        say(event, data)

    client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    # Runs until the test closes standard input.
    for _ in sys.stdin:
        pass
    client.disconnect()


if __name__ == "__main__":
    main()
