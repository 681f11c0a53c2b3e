-- wrk script: sign in as a demo account from its trusted device, through the gateway.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login": "anna_designs", "password": "mercato-demo-2026", "device_id": "demo-device"}'
