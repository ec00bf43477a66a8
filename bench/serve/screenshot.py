#!/usr/bin/python3
"""Takes docs/screenshot-serve.png: engine-viz serve (seeded random weights) in headless chromium, driven through
chromium-driver's W3C WebDriver HTTP API (standard library only): a sample photo, a layer, a channel with its
projection, an occlusion map.

    bench/serve/screenshot.py [--dll viz/bin/Debug/net10.0/engine-viz.dll] [--out docs/screenshot-serve.png]
"""
import argparse, base64, json, os, re, shutil, socket, subprocess, tempfile, time, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLES = os.path.abspath(os.path.join(ROOT, "..", "shared", "images"))


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read() or b"null")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dll", default=os.path.join(ROOT, "viz", "bin", "Debug", "net10.0", "engine-viz.dll"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshot-serve.png"))
    ap.add_argument("--layer", default="block4_conv1")
    ap.add_argument("--mode", default="map")
    args = ap.parse_args()
    server = subprocess.Popen(["dotnet", args.dll, "serve", "--weights", "random", "--port", "0", "--samples", SAMPLES],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = free_port()
    driver = subprocess.Popen(["/usr/bin/chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    wd = f"http://127.0.0.1:{port}"
    try:
        url = re.search(r"(http://\S+/)", server.stdout.readline()).group(1)
        for _ in range(100):
            try:
                call(wd, "GET", "/status"); break
            except OSError:
                time.sleep(0.1)
        session = call(wd, "POST", "/session", {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=1280,1500"]}}}})
        s = f"/session/{session['value']['sessionId']}"
        run = lambda script, *a: call(wd, "POST", s + "/execute/sync", {"script": script, "args": list(a)})["value"]
        def wait(script, seconds=300):
            end = time.time() + seconds
            while time.time() < end:
                if run(script): return
                time.sleep(0.2)
            raise TimeoutError(script)
        call(wd, "POST", s + "/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride",
                                                    "params": {"width": 1280, "height": 1500, "deviceScaleFactor": 1, "mobile": False}})
        call(wd, "POST", s + "/url", {"url": url + f"#sample=tfkerasvis_bear.jpg&layer={args.layer}&channel=0&mode={args.mode}"})
        wait("return document.getElementById('projection-img').dataset.state === 'ready'")
        # The channel whose projection shows most: the strongest of the layer's first 64 by the page's own stats is not
        # exposed, so try a few and keep the one with the widest spread of pixel values.
        spread = """const img = document.getElementById('projection-img'); const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight; const g = c.getContext('2d'); g.drawImage(img, 0, 0);
            const d = g.getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 128) > 12) n++;
            return n;"""
        best, best_n = 0, run(spread)
        for k in range(1, 12):
            run(f"location.hash = '#sample=tfkerasvis_bear.jpg&layer={args.layer}&channel={k}&mode={args.mode}'")
            wait(f"return document.getElementById('channel-title').textContent.endsWith('channel {k}') && document.getElementById('projection-img').dataset.state === 'ready'")
            n = run(spread)
            if n > best_n: best, best_n = k, n
        run(f"location.hash = '#sample=tfkerasvis_bear.jpg&layer={args.layer}&channel={best}&mode={args.mode}'")
        wait(f"return document.getElementById('channel-title').textContent.endsWith('channel {best}') && document.getElementById('projection-img').dataset.state === 'ready'")
        run("document.getElementById('occ-layer').value = 'block5_conv3'; document.getElementById('occ-run').click()")
        wait("return !document.getElementById('occ-map').hidden && document.getElementById('occ-map').naturalWidth > 0")
        run("window.scrollTo(0, 0)")
        shot = call(wd, "POST", s + "/goog/cdp/execute", {"cmd": "Page.captureScreenshot", "params": {"format": "png", "captureBeyondViewport": True}})
        with open(args.out + ".tmp", "wb") as f:
            f.write(base64.b64decode(shot["value"]["data"]))
        try:  # 256 colours: a third of the size, no visible change on this flat UI (PIL from python3-pil)
            from PIL import Image
            Image.open(args.out + ".tmp").convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
                .save(args.out + ".tmp", "PNG", optimize=True)
        except ImportError:
            pass
        os.replace(args.out + ".tmp", args.out)
        call(wd, "DELETE", s)
        print(args.out)
    finally:
        driver.terminate()
        server.send_signal(2)
        server.wait(30)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
