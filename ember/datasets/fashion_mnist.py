"""Fashion-MNIST (Zalando) from the original IDX files, as Keras returns it.

The same layout as MNIST: uint8 images (60000, 28, 28) / (10000, 28, 28), uint8 labels in
0..9 (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot).
SHA-256 pinned from tensorflow/datasets' url_checksums/fashion_mnist.txt.

>>> CLASS_NAMES[9]
'Ankle boot'
"""

from ember.datasets.idx import load_idx_dataset

_MIRRORS = ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


def _spec(fname, sha256):
    return {"fname": fname, "sha256": sha256, "origins": [m + fname for m in _MIRRORS]}


FILES = {
    "train_images": _spec("train-images-idx3-ubyte.gz",
                          "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
    "train_labels": _spec("train-labels-idx1-ubyte.gz",
                          "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
    "test_images": _spec("t10k-images-idx3-ubyte.gz",
                         "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
    "test_labels": _spec("t10k-labels-idx1-ubyte.gz",
                         "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
    "counts": (60000, 10000),
}


def load_data(path=None, *, data_dir=None):
    """Load Fashion-MNIST.

    Args:
        path: a folder holding the four original `.gz` files; None uses the cache.
        data_dir: the same as `path`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: uint8 (60000, 28, 28), uint8 (60000,),
        uint8 (10000, 28, 28), uint8 (10000,).
    """
    return load_idx_dataset(FILES, path if path is not None else data_dir, "fashion_mnist")
