-- story_bands: the LSH keys of the run's articles that were not in the index yet.
-- grain: (band_key, article_id).
insert into story_bands by name
select distinct staged.band_key, staged.article_id, staged.seen_at
from stg_story_bands as staged
where not exists (select 1 from story_members as known where known.article_id = staged.article_id)
order by staged.band_key;
