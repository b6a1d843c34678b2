"""Broken: model.py fails at import; the callbacks (the reference's) must still be graded."""
import keras

LAYERS = keras.layers.Conv2DD  # typo: AttributeError at import


def build_model(input_shape=(150, 150, 3)):
    raise RuntimeError("never reached")
