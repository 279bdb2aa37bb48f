"""The zoo's index and the notes' comparison table (after Canziani et al., arXiv:1605.07678).

`compare()` reports, per model: parameters and MACs at the reference input (224x224x3, 1000
classes; counted on a shape-only build, so no weights are allocated), then forward time per image
and peak memory measured on this machine at a small input (64x64 by default, so the table is
quick on a CPU) for a few batch sizes. Peak memory is the largest traced NumPy allocation total
during one forward pass (`tracemalloc`), weights excluded.

>>> sorted(MODELS)[:3]
['alexnet', 'googlenet', 'lenet5']
"""

import time
import tracemalloc

import numpy as np

from ember.applications import alexnet, costs, googlenet, lenet, resnet, vgg

MODELS = {
    "lenet5": (lenet.LeNet5, (32, 32, 1)),
    "lenet5_modern": (lambda **k: lenet.LeNet5(variant="modern", **k), (32, 32, 1)),
    "alexnet": (alexnet.AlexNet, (224, 224, 3)),
    "vgg11": (vgg.VGG11, (224, 224, 3)),
    "vgg13": (vgg.VGG13, (224, 224, 3)),
    "vgg16": (vgg.VGG16, (224, 224, 3)),
    "vgg19": (vgg.VGG19, (224, 224, 3)),
    "vgg11_bn": (vgg.VGG11_BN, (224, 224, 3)),
    "vgg13_bn": (vgg.VGG13_BN, (224, 224, 3)),
    "vgg16_bn": (vgg.VGG16_BN, (224, 224, 3)),
    "vgg19_bn": (vgg.VGG19_BN, (224, 224, 3)),
    "googlenet": (googlenet.GoogLeNet, (224, 224, 3)),
    "resnet18": (resnet.ResNet18, (224, 224, 3)),
    "resnet34": (resnet.ResNet34, (224, 224, 3)),
    "resnet50": (resnet.ResNet50, (224, 224, 3)),
    "resnet101": (resnet.ResNet101, (224, 224, 3)),
    "resnet152": (resnet.ResNet152, (224, 224, 3)),
    "resnet20": (resnet.ResNet20, (32, 32, 3)),
}
DEFAULT_COMPARE = ("lenet5", "alexnet", "vgg11", "googlenet", "resnet18", "resnet20")


def build(name, shape_only=False, **kwargs):
    """Build a zoo model by name; `shape_only` for counting without weights."""
    if name not in MODELS:
        raise ValueError(f"zoo: unknown model {name!r}; choose from {', '.join(MODELS)}")
    builder, _ = MODELS[name]
    if shape_only:
        with costs.shape_only():
            return builder(**kwargs)
    return builder(**kwargs)


def reference_costs(name):
    """`(params, macs)` at the model's reference input (shape-only build)."""
    model = build(name, shape_only=True)
    return costs.count_params(model), costs.total_macs(model)


def measure(model, batch_size, repeats=2, seed=0):
    """`(seconds per image, peak bytes)` of a forward pass of `batch_size` random images."""
    import ember  # noqa: PLC0415

    shape = (batch_size, *model.inputs[0].shape[1:])
    x = ember.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))
    with ember.no_grad():
        model(x)  # warm-up (and any lazy work)
        tracemalloc.start()
        start = time.perf_counter()
        for _ in range(repeats):
            model(x)
        elapsed = (time.perf_counter() - start) / repeats
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed / batch_size, peak


def compare(names=DEFAULT_COMPARE, image_size=64, batch_sizes=(1, 4), repeats=2):
    """Rows of the comparison table (dicts), measured on this machine."""
    rows = []
    for name in names:
        params, macs = reference_costs(name)
        _, ref_shape = MODELS[name]
        channels = ref_shape[-1]
        size = min(max(image_size, _min_size(name)), ref_shape[0])
        model = build(name, input_shape=(size, size, channels))
        timings = {b: measure(model, b, repeats) for b in batch_sizes}
        rows.append({"model": name, "params": params, "macs": macs, "size": size,
                     "ms_per_image": {b: t * 1e3 for b, (t, _) in timings.items()},
                     "peak_mb": {b: p / 2 ** 20 for b, (_, p) in timings.items()}})
    return rows


def _min_size(name):
    if name.startswith("vgg"):
        return vgg.MIN_SIZE
    if name == "resnet20":
        return 8
    if name.startswith("resnet"):
        return resnet.MIN_SIZE
    return {"alexnet": alexnet.MIN_SIZE, "googlenet": googlenet.MIN_SIZE}.get(name,
                                                                           lenet.MIN_SIZE)


def format_table(rows, batch_sizes=(1, 4)):
    """The comparison table as text."""
    head = f"{'model':<14}{'params':>13}{'GMACs@ref':>11}{'input':>7}"
    head += "".join(f"{f'ms/img b={b}':>13}" for b in batch_sizes)
    head += "".join(f"{f'peak MB b={b}':>14}" for b in batch_sizes)
    lines = [head, "-" * len(head)]
    for r in rows:
        line = f"{r['model']:<14}{r['params']:>13,}{r['macs'] / 1e9:>11.3f}{r['size']:>7}"
        line += "".join(f"{r['ms_per_image'][b]:>13.2f}" for b in batch_sizes)
        line += "".join(f"{r['peak_mb'][b]:>14.1f}" for b in batch_sizes)
        lines.append(line)
    return "\n".join(lines)


def list_table():
    """One line per model: name, reference input, parameters."""
    lines = [f"{'model':<16}{'input':<16}{'params':>14}"]
    for name, (_, shape) in MODELS.items():
        params, _ = reference_costs(name)
        lines.append(f"{name:<16}{str(shape):<16}{params:>14,}")
    return "\n".join(lines)
