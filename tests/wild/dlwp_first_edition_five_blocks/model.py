"""Step 2: deep convnet for the cats-vs-dogs classifier, five conv/pool blocks."""
from tensorflow.keras.layers import Conv2D, Dense, Flatten, Input, MaxPool2D
from tensorflow.keras.models import Sequential


def build_model(input_shape=(150, 150, 3)):
    """Return a compiled keras.Model."""
    model = Sequential()
    model.add(Input(shape=input_shape))

    model.add(Conv2D(32, (3, 3), activation="relu"))
    model.add(MaxPool2D((2, 2)))

    model.add(Conv2D(64, (3, 3), activation="relu"))
    model.add(MaxPool2D((2, 2)))

    model.add(Conv2D(128, (3, 3), activation="relu"))
    model.add(MaxPool2D((2, 2)))

    model.add(Conv2D(128, (3, 3), activation="relu"))
    model.add(MaxPool2D((2, 2)))

    model.add(Conv2D(32, (3, 3), activation="relu"))
    model.add(MaxPool2D((2, 2)))

    model.add(Flatten())
    model.add(Dense(512, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))  # one sigmoid unit for two classes

    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
