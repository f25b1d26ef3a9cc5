/*
 * TEST-ONLY stand-in for Elasticsearch's lang-mustache module, which the
 * integ-test distribution does not ship (and which is not published for 8.x).
 * It is not a Mustache implementation: it is registered under the language
 * name "mustache" for the template context only, and renders just the subset
 * that role templates in role mappings use:
 *
 *   {{name}}, {{a.b}}               the parameter's value ("" when missing);
 *                                   a dotted name is first looked up as a
 *                                   whole key (role mappings pass flat keys
 *                                   such as "realm.name"), then through
 *                                   nested maps
 *   {{#toJson}}name{{/toJson}}      the parameter's value as JSON
 *
 * Values are inserted unescaped. Any other tag is refused when the template is
 * compiled, so a test that needs more fails loudly instead of passing on a
 * wrong rendering.
 */
package esguard.testshim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.elasticsearch.common.Strings;
import org.elasticsearch.script.ScriptContext;
import org.elasticsearch.script.ScriptEngine;
import org.elasticsearch.script.TemplateScript;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.json.JsonXContent;

public class MustacheSubsetScriptEngine implements ScriptEngine {

    static final String LANG = "mustache";
    private static final String TO_JSON = "toJson";

    @Override
    public String getType() {
        return LANG;
    }

    @Override
    public Set<ScriptContext<?>> getSupportedContexts() {
        return Set.of(TemplateScript.CONTEXT);
    }

    @Override
    public <T> T compile(String name, String code, ScriptContext<T> context, Map<String, String> options) {
        if (context != TemplateScript.CONTEXT) {
            throw new IllegalArgumentException("the test-only mustache subset supports only the template context, not ["
                + context.name + "]");
        }
        List<Function<Map<String, Object>, String>> parts = parse(code);
        TemplateScript.Factory factory = params -> new TemplateScript(params) {
            @Override
            public String execute() {
                StringBuilder out = new StringBuilder();
                for (Function<Map<String, Object>, String> part : parts) {
                    out.append(part.apply(getParams()));
                }
                return out.toString();
            }
        };
        return context.factoryClazz.cast(factory);
    }

    private static List<Function<Map<String, Object>, String>> parse(String code) {
        List<Function<Map<String, Object>, String>> parts = new ArrayList<>();
        int at = 0;
        while (at < code.length()) {
            int open = code.indexOf("{{", at);
            if (open < 0) {
                String text = code.substring(at);
                parts.add(params -> text);
                break;
            }
            String text = code.substring(at, open);
            parts.add(params -> text);
            int close = code.indexOf("}}", open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed tag at " + open + " in [" + code + "]");
            }
            String tag = code.substring(open + 2, close).trim();
            at = close + 2;
            if (tag.startsWith("#")) {
                String section = tag.substring(1).trim();
                if (!section.equalsIgnoreCase(TO_JSON)) {
                    throw new IllegalArgumentException("the test-only mustache subset supports only the {{#toJson}} section, not ["
                        + tag + "]");
                }
                String end = "{{/" + section + "}}";
                int endAt = code.indexOf(end, at);
                if (endAt < 0) {
                    throw new IllegalArgumentException("no " + end + " in [" + code + "]");
                }
                String variable = code.substring(at, endAt).trim();
                parts.add(params -> toJson(lookup(params, variable)));
                at = endAt + end.length();
            } else if (tag.isEmpty() || "/!^&{>=".indexOf(tag.charAt(0)) >= 0) {
                throw new IllegalArgumentException("the test-only mustache subset does not support the tag [{{" + tag + "}}]");
            } else {
                parts.add(params -> {
                    Object value = lookup(params, tag);
                    return value == null ? "" : String.valueOf(value);
                });
            }
        }
        return parts;
    }

    private static Object lookup(Object scope, String name) {
        if (scope instanceof Map<?, ?> map) {
            if (map.containsKey(name)) {
                return map.get(name);
            }
            for (int dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
                Object found = lookup(map.get(name.substring(0, dot)), name.substring(dot + 1));
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static String toJson(Object value) {
        if (value == null) {
            return "";
        }
        try {
            XContentBuilder builder = JsonXContent.contentBuilder();
            builder.value(value);
            return Strings.toString(builder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
