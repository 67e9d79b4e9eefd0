package mmdigits.viz.console;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Split;
import mmdigits.viz.console.ConsoleView.DatasetView;
import mmdigits.viz.console.ConsoleView.PublicationView;

/**
 * Every publication of every dataset from {@code digits.events} (the {@code Catalog} keeps only the
 * latest per split), the most recently published dataset last; bounded.
 */
final class DatasetBoard {
    private static final int DATASETS_KEPT = 100;
    private static final int PUBLICATIONS_KEPT = 20;

    private final Bounded<String, Deque<PublicationView>> datasets = new Bounded<>(DATASETS_KEPT);

    void onPublished(DatasetPublished d, Long atMs) {
        Deque<PublicationView> publications = datasets.remove(d.getDataset());
        if (publications == null) {
            publications = new ArrayDeque<>();
        }
        publications.addFirst(
                new PublicationView(
                        d.getPublicationId(),
                        d.getSplit().name(),
                        d.getCount(),
                        d.getLabeled(),
                        d.getSource(),
                        d.getPublishedAtMs() > 0 ? Long.valueOf(d.getPublishedAtMs()) : atMs));
        while (publications.size() > PUBLICATIONS_KEPT) {
            publications.removeLast();
        }
        datasets.put(d.getDataset(), publications);
    }

    /** The dataset's newest test split. */
    Optional<PublicationView> latestTest(String dataset) {
        Deque<PublicationView> publications = datasets.get(dataset);
        if (publications == null) {
            return Optional.empty();
        }
        return publications.stream().filter(p -> p.split().equals(Split.TEST.name())).findFirst();
    }

    /** One of the dataset's publications kept here, by its id. */
    Optional<PublicationView> publication(String dataset, String id) {
        Deque<PublicationView> publications = datasets.get(dataset);
        if (publications == null) {
            return Optional.empty();
        }
        return publications.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /** The datasets, the most recently published first. */
    List<DatasetView> view() {
        List<DatasetView> out = new ArrayList<>();
        datasets.forEach((name, pubs) -> out.add(0, new DatasetView(name, List.copyOf(pubs))));
        return out;
    }
}
