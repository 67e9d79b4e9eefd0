package mmdigits.localkafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScrapeTest {
    static final String TEXT =
            String.join(
                    "\n",
                    "# TYPE mmdigits_dead_letters counter",
                    "mmdigits_dead_letters_total{service=\"trainer-service\",topic=\"digits.events\"} 1.0"
                            + " # {span_id=\"55b0f0e0d5c0c3a1\",trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"}"
                            + " 1.0 1796543512.816",
                    "mmdigits_dead_letters_total{service=\"trainer-service\",topic=\"digits.models\"} 2.0",
                    "# TYPE mmdigits_trainer_run_epoch gauge",
                    "mmdigits_trainer_run_epoch 3.0",
                    "");

    @Test
    void aSeriesValueIsTheTokenAfterItsLabelsNotAnExemplarsTimestamp() {
        Scrape m = Scrape.of(TEXT);
        assertThat(m.sum("mmdigits_dead_letters_total", "topic=digits.events")).isEqualTo(1.0);
        assertThat(m.sum("mmdigits_dead_letters_total", "service=trainer-service")).isEqualTo(3.0);
        assertThat(m.sum("mmdigits_trainer_run_epoch")).isEqualTo(3.0);
        assertThat(m.sum("mmdigits_trainer_run_epochs")).isNaN();
        assertThat(m.ownFamilies())
                .containsExactly("mmdigits_dead_letters", "mmdigits_trainer_run_epoch");
    }
}
