"""Mistake: a ready-made architecture from keras.applications instead of a CNN of one's own."""
import keras
from keras import layers


def build_model(input_shape=(150, 150, 3)):
    base = keras.applications.MobileNetV2(input_shape=input_shape, include_top=False, weights=None, alpha=0.35)
    inputs = keras.Input(shape=input_shape)
    x = base(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
