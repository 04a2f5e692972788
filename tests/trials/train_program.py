"""A training process as users write one: resume from the latest checkpoint, log a loss per
step, checkpoint every 5 steps, stop when asked. Configured only by dialin's environment."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import dialin

TOTAL_STEPS = 30
STEP_SECONDS = float(os.environ.get("TRAIN_STEP_SECONDS", "0.05"))


def main() -> None:
    lr = dialin.get_parameter("lr")
    restored = dialin.load_latest_checkpoint()
    start = 0
    if restored is None:
        print("fresh start", flush=True)
    else:
        start = json.loads((Path(restored) / "state.json").read_text())["step"]
        print(f"resumed from step {start}", flush=True)
    for step in range(start + 1, TOTAL_STEPS + 1):
        time.sleep(STEP_SECONDS)
        dialin.log_metric("loss", lr / step, step=step)
        if step % 5 == 0:
            with tempfile.TemporaryDirectory() as directory:
                Path(directory, "state.json").write_text(json.dumps({"step": step}))
                dialin.log_checkpoint(directory, {"steps_completed": step})
            print(f"checkpoint at step {step}", flush=True)
        if dialin.should_stop():
            print(f"stopping at step {step}", flush=True)
            return
    print("finished", flush=True)


if __name__ == "__main__":
    main()
