package io.libgenauth;

import org.json.JSONArray;
import org.json.JSONException;
import org.json.JSONObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON in and out through org.json, using only what Android's built-in org.json also has
 * (no {@code toMap}, no {@code keySet}), so the binding runs on either copy. Values come out as
 * String, Long, Double, BigInteger, Boolean, null, unmodifiable List and unmodifiable Map.
 */
final class Json {
    private Json() {}

    static Map<String, Object> parseObject(String text) {
        try {
            return toMap(new JSONObject(text));
        } catch (JSONException e) {
            throw new GenAuthException("internal", "the library returned a document that is not a JSON object");
        }
    }

    static Map<String, Object> toMap(JSONObject object) {
        Map<String, Object> map = new LinkedHashMap<String, Object>();
        Iterator<?> keys = object.keys();
        while (keys.hasNext()) {
            String key = String.valueOf(keys.next());
            map.put(key, toJava(object.opt(key)));
        }
        return Collections.unmodifiableMap(map);
    }

    private static Object toJava(Object value) {
        if (value == null || value == JSONObject.NULL) return null;
        if (value instanceof JSONObject) return toMap((JSONObject) value);
        if (value instanceof JSONArray) {
            JSONArray array = (JSONArray) value;
            List<Object> list = new ArrayList<Object>(array.length());
            for (int i = 0; i < array.length(); i++) list.add(toJava(array.opt(i)));
            return Collections.unmodifiableList(list);
        }
        if (value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger) {
            BigInteger big = (BigInteger) value;
            return big.bitLength() < 64 ? (Object) big.longValue() : big;
        }
        if (value instanceof BigDecimal) {
            BigDecimal dec = (BigDecimal) value;
            try {
                return dec.longValueExact();
            } catch (ArithmeticException notIntegral) {
                return dec.doubleValue();
            }
        }
        if (value instanceof Float) return ((Float) value).doubleValue();
        return value; // String, Boolean, Double
    }

    /** A JSON object text of the non-null entries, in order (nested maps and lists included). */
    static String write(Map<String, ?> entries) {
        JSONObject object = new JSONObject();
        try {
            for (Map.Entry<String, ?> e : entries.entrySet()) {
                if (e.getValue() != null) object.put(e.getKey(), toJson(e.getValue()));
            }
        } catch (JSONException e) {
            throw new IllegalArgumentException("value not representable in JSON", e);
        }
        return object.toString();
    }

    /**
     * Maps and lists as JSONObject and JSONArray, by hand: Android's org.json does not wrap
     * them in {@code put}. A null inside a map or list is JSON null.
     */
    private static Object toJson(Object value) throws JSONException {
        if (value == null) return JSONObject.NULL;
        if (value instanceof Map) {
            JSONObject object = new JSONObject();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                object.put(String.valueOf(e.getKey()), toJson(e.getValue()));
            }
            return object;
        }
        if (value instanceof List) {
            JSONArray array = new JSONArray();
            for (Object item : (List<?>) value) array.put(toJson(item));
            return array;
        }
        return value;
    }

    static String string(Map<String, Object> map, String key) {
        Object v = map.get(key);
        return v instanceof String ? (String) v : null;
    }

    static Long number(Map<String, Object> map, String key) {
        Object v = map.get(key);
        if (v instanceof Long) return (Long) v;
        if (v instanceof Number) return ((Number) v).longValue();
        return null;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> map, String key) {
        Object v = map.get(key);
        return v instanceof Map ? (Map<String, Object>) v : null;
    }
}
