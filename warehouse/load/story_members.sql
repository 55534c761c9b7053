-- story_members: the run's articles in the stories index (a re-extracted one gets its new
-- signature and story).
-- grain: article_id.
merge into story_members as target
using (
    select distinct on (article_id) *
    from stg_story_members
    order by article_id, seen_at desc
) as source
on target.article_id = source.article_id
when matched then update by name
when not matched then insert by name;
