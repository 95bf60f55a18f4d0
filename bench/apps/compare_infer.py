#!/usr/bin/python3
"""Inference throughput, audiograd vs PyTorch 1.13, side by side: eval mode, forward + softmax with no
graph recorded (our NoGradGuard, PyTorch's inference_mode), ERANN and CNN14 on 5 s log-mel shapes.
The same driver as compare_train.py (which see for the method and the columns), run with
--mode infer; the efficiency column counts one pass (MACs x 2 per clip).

    /usr/bin/python3 bench/apps/compare_infer.py [--batches 1 32] [--models cnn14 erann-2-2] [...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_train  # noqa: E402

if __name__ == "__main__":
    compare_train.main(default_mode="infer")
