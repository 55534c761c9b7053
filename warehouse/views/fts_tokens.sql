-- fts_tokens(s): the words of a text as the full-text index sees them: lower case, accents
-- stripped, split on anything that is not a letter or a digit. fts_stemmer(language): the
-- Snowball stemmer for an ISO 639-1 code ('none' when there is no stemmer for it).
create or replace macro fts_tokens(s) as
    string_split_regex(trim(regexp_replace(lower(strip_accents(cast(s as varchar))), '[^\p{L}\p{N}]+', ' ', 'g')), '\s+');

create or replace macro fts_stemmer(lang) as
    case lang
        when 'id' then 'indonesian' when 'ms' then 'indonesian' when 'en' then 'english'
        when 'fr' then 'french' when 'de' then 'german' when 'es' then 'spanish' when 'pt' then 'portuguese'
        when 'it' then 'italian' when 'nl' then 'dutch' when 'ru' then 'russian' when 'ar' then 'arabic'
        when 'tr' then 'turkish' when 'sv' then 'swedish' when 'no' then 'norwegian' when 'da' then 'danish'
        when 'fi' then 'finnish' when 'hu' then 'hungarian' when 'ro' then 'romanian' when 'el' then 'greek'
        when 'hi' then 'hindi' when 'ta' then 'tamil' when 'ne' then 'nepali' when 'ca' then 'catalan'
        else 'none'
    end;
