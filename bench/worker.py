"""A long-lived benchmark worker process spoken to one line at a time (bench/peers/run.py, bench/ownmodel/run.py)."""
import subprocess


class Worker:
    def __init__(self, name, argv):
        self.name = name
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, line):
        """Sends one command line, returns the one answer line (exits if the worker died)."""
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        answer = self.p.stdout.readline()
        if not answer:
            raise SystemExit(f"{self.name} worker died on '{line}'")
        return answer.strip()

    def close(self):
        try:
            self.p.stdin.write("quit\n"); self.p.stdin.flush()
        except BrokenPipeError:
            pass
        self.p.wait(timeout=60)
