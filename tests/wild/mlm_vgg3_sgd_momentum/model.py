"""Step 2: a three-block VGG-style CNN, SGD with momentum."""
from tensorflow.keras.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import SGD


def vgg_block(model, filters):
    model.add(Conv2D(filters, (3, 3), activation="relu", kernel_initializer="he_uniform", padding="same"))
    model.add(MaxPooling2D((2, 2)))


def build_model(input_shape=(150, 150, 3)):
    """Return a compiled keras.Model."""
    model = Sequential()
    model.add(Input(shape=input_shape))
    for filters in (32, 64, 128):
        vgg_block(model, filters)
    model.add(Flatten())
    model.add(Dense(128, activation="relu", kernel_initializer="he_uniform"))
    model.add(Dense(1, activation="sigmoid"))
    opt = SGD(learning_rate=0.001, momentum=0.9)
    model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"])
    return model
