/*
 * Copyright (c) 2026 Acme Corp. All rights reserved.
 *
 * Small text and number helpers the billing service exposes over metropipe.
 */
package com.acme.tools;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Codec: stateless helpers (plus one counter), all {@code static}.
 *
 * @author billing team
 */
@SuppressWarnings({"unused", "WeakerAccess"})
public final class Codec {
    /** Known keys for {@link #lookup(String)}; generics elsewhere in the file are fine. */
    private static final Map<String, List<Integer>> TABLE = new HashMap<>(Map.of("one", List.of(1), "two",
            List.of(2, 2)));
    private static final AtomicLong TOUCHED = new AtomicLong();

    private Codec() {
    }

    /** Thrown for input the helpers refuse. */
    public static final class InvalidInput extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public InvalidInput(String message) {
            super(message);
        }
    }

    /** Adds two ints, wrapping around on overflow like Java does. */
    public static int add(int a, int b) {
        return a + b;
    }

    /** An instance overload: needs an object, so the static one above is exported. */
    public int add(int a, int b, int c) {
        return a + b + c;
    }

    /**
     * Scales a 64-bit amount.
     *
     * @param value the amount, in cents
     * @param factor how many times
     * @return value * factor
     */
    @Deprecated
    public static long scale(final long value, int factor) {
        return value * factor;
    }

    // package-private: the provider lives in this package, so it can call it
    static float half(float x) {
        return x / 2;
    }

    protected static double mean(double a, double b) {
        return (a + b) / 2;
    }

    public static boolean isBlank(String text) {
        return text.isBlank();
    }

    public static String shout(String text) {
        return text.toUpperCase(Locale.ROOT) + "!";
    }

    public static byte[] reverse(byte[] data) {
        byte[] out = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = data[data.length - 1 - i];
        }
        return out;
    }

    /** Counts calls; returns nothing. */
    public static void touch() {
        TOUCHED.incrementAndGet();
    }

    public static long touched() {
        return TOUCHED.get();
    }

    /** The first number stored under key, or null: a boxed result may be null (a bad result on the wire). */
    public static Integer lookup(String key) {
        List<Integer> found = TABLE.get(key);
        return found == null ? null : found.get(0);
    }

    /** May return more than a wire string holds (a bad result). */
    public static String repeat(String text, int times) {
        return text.repeat(times);
    }

    /** Parses a decimal int; throws InvalidInput for anything else. */
    public static int parseNumber(String text) throws InvalidInput {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInput("not a number: '" + text + "'");
        }
    }

    /** Sleeps ms milliseconds, then returns them. */
    public static long slow(long ms) throws InterruptedException {
        Thread.sleep(ms);
        return ms;
    }

    /** UTF-8 length of a string. */
    public static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Nested: a static method of a nested class. */
    public static final class Units {
        private Units() {
        }

        public static double toCelsius(double fahrenheit) {
            return (fahrenheit - 32) * 5 / 9;
        }
    }
}
