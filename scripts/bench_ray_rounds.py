"""What a round costs Ray alone: two actors on a local runtime each return an array of rows
every round and take the other's previous one, as two `--ray` workers do (the driver queues a
round ahead and waits for the one before), with no training in between.

    python scripts/bench_ray_rounds.py [--rounds 100] [--sizes 0,1,2,4] [--repeat 2]

Prints milliseconds per round for each result size in MB (a 2 x 1 run on enwiki-t8 sends
about 4 MB a worker and round). Needs the `ray` extra.
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import ray


@ray.remote(num_cpus=1)
class _Worker:
    def round(self, nbytes: int, *others):
        for other in others:  # touch what was sent, as a worker adds it
            if other is not None:
                other[0].sum()
        if not nbytes:
            return None
        return np.ones(nbytes // 2, np.uint16), np.zeros(nbytes // 200, np.int32)


def ms_per_round(workers: list, nbytes: int, rounds: int) -> float:
    ray.get([w.round.remote(nbytes) for w in workers])
    started = time.perf_counter()
    previous: list = []
    pending: list = []
    for _ in range(rounds):
        sent = [w.round.remote(nbytes, *previous[1 - k:2 - k]) for k, w in enumerate(workers)]
        if pending:
            ray.get(pending)
        pending, previous = sent, sent
    ray.get(pending)
    return (time.perf_counter() - started) / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--sizes", default="0,1,2,4", help="MB a worker returns each round")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level=logging.ERROR, object_store_memory=1 << 30)
    workers = [_Worker.remote(), _Worker.remote()]
    for n in range(args.repeat):
        for mb in map(float, args.sizes.split(",")):
            ms = ms_per_round(workers, int(mb * 1_000_000), args.rounds)
            print(f"run {n + 1}: {mb:g} MB a worker: {ms:.2f} ms per round", flush=True)
    ray.shutdown()


if __name__ == "__main__":
    main()
