/*
 * Test-only stand-ins for modules the integ-test distribution lacks.
 *
 * Analysis (for analysis-common): the .security index declares an "email"
 * analyzer built from the uax_url_email tokenizer and the pattern_capture,
 * lowercase and unique token filters. Without them no native user, role or
 * API key can be stored.
 *
 * Scripts (for lang-mustache): the subset of Mustache that role templates use,
 * see MustacheSubsetScriptEngine.
 *
 * Root (for rest-root): GET / with the monitor privilege, see RootInfo; it is registered
 * by TestShimPlugin, whose action and REST handler signatures differ between majors.
 */
package esguard.testshim;

import java.util.Collection;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.ScriptPlugin;
import org.elasticsearch.script.ScriptContext;
import org.elasticsearch.script.ScriptEngine;

/** What every Elasticsearch major shares; TestShimPlugin (one per major, in src-es8 and src-es9) adds GET /. */
public abstract class TestShimBase extends Plugin implements ActionPlugin, AnalysisPlugin, ScriptPlugin {

    private static TokenFilterFactory filter(String name, UnaryOperator<TokenStream> wrap) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream input) {
                return wrap.apply(input);
            }
        };
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("uax_url_email", (indexSettings, env, name, settings) ->
            TokenizerFactory.newFactory(name, UAX29URLEmailTokenizer::new));
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        AnalysisProvider<TokenFilterFactory> patternCapture = new AnalysisProvider<>() {
            @Override
            public TokenFilterFactory get(IndexSettings indexSettings, Environment env, String name, Settings settings) {
                Pattern[] patterns = settings.getAsList("patterns").stream().map(Pattern::compile).toArray(Pattern[]::new);
                boolean preserveOriginal = settings.getAsBoolean("preserve_original", true);
                return filter(name, in -> new PatternCaptureGroupTokenFilter(in, preserveOriginal, patterns));
            }

            @Override
            public boolean requiresAnalysisSettings() {
                return true;
            }
        };
        return Map.of(
            "lowercase", (indexSettings, env, name, settings) -> filter(name, LowerCaseFilter::new),
            "unique", (indexSettings, env, name, settings) -> filter(name, RemoveDuplicatesTokenFilter::new),
            "pattern_capture", patternCapture
        );
    }

    @Override
    public ScriptEngine getScriptEngine(Settings settings, Collection<ScriptContext<?>> contexts) {
        return new MustacheSubsetScriptEngine();
    }
}
