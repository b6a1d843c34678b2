"""The grader's shortcuts in training change nothing a fit computes (issue 20).

Grading fits read ready batches (`grader.probes.model.batches`) instead of numpy arrays,
and the evaluation that learns what a model logs runs eagerly: both only to save time.
"""
import numpy as np

from grader.probes.model import batches, evaluate_once
from grader.quiet import seed_everything
from grader.synthetic import blob_images, labels_as


def small_model(loss="binary_crossentropy", units=1, activation="sigmoid"):
    import keras

    seed_everything()
    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(units, activation=activation),
    ])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def test_a_fit_on_batches_is_the_fit_on_the_same_arrays():
    images, labels = blob_images(48, (32, 32))
    for label_format, loss, units, activation in (("binary", "binary_crossentropy", 1, "sigmoid"),
                                                  ("sparse", "sparse_categorical_crossentropy", 2, "softmax"),
                                                  ("onehot", "categorical_crossentropy", 2, "softmax")):
        targets = labels_as(labels, label_format)
        histories = []
        for as_batches in (False, True):
            model = small_model(loss, units, activation)
            seed_everything()
            if as_batches:
                history = model.fit(batches(images[:32], targets[:32], 16), epochs=3, shuffle=False, verbose=0,
                                    validation_data=batches(images[32:], targets[32:], 16))
            else:
                history = model.fit(images[:32], targets[:32], epochs=3, batch_size=16, shuffle=False, verbose=0,
                                    validation_data=(images[32:], targets[32:]))
            histories.append((history.history, [w.tobytes() for w in model.get_weights()]))
        assert histories[0] == histories[1], label_format


def test_float64_arrays_are_cast_as_keras_casts_them():
    images, labels = blob_images(16, (32, 32))
    dataset = batches(images.astype("float64"), labels_as(labels, "binary").astype("float64"), 16)
    x, y = next(iter(dataset))
    assert x.dtype.name == y.dtype.name == "float32"
    _, sparse = next(iter(batches(images, labels_as(labels, "sparse"), 16)))
    assert sparse.dtype.name == "int64"


def test_the_eager_evaluation_learns_what_a_traced_one_would_and_leaves_the_model_as_it_was():
    model = small_model()
    names, label_format, threshold = evaluate_once(model, (32, 32, 3))
    assert names == ("accuracy", "loss", "val_accuracy", "val_loss") and label_format == "binary"
    assert threshold == 0.5
    assert model.run_eagerly is False and model.jit_compile == small_model().jit_compile
    assert model.test_function is None  # the training runs trace their own test step
    traced = small_model()
    logged = traced.evaluate(np.zeros((2, 32, 32, 3), "float32"), np.zeros((2, 1), "float32"), verbose=0,
                             return_dict=True)
    assert tuple(sorted(logged)) == ("accuracy", "loss")
