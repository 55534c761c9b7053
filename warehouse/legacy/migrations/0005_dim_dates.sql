-- dim_dates: calendar, one row per day from 1990-01-01 to 2045-12-31.
-- grain: date_id (yyyymmdd as integer).
create table if not exists dim_dates as
with days as (
    select cast(d as date) as date
    from generate_series(date '1990-01-01', date '2045-12-31', interval 1 day) as t(d)
),

final as (
    select
        cast(strftime(date, '%Y%m%d') as integer) as date_id,
        date,
        year(date) as year,
        quarter(date) as quarter,
        month(date) as month,
        day(date) as day,
        weekofyear(date) as iso_week,
        isodow(date) as day_of_week,
        dayname(date) as day_name,
        monthname(date) as month_name,
        isodow(date) >= 6 as is_weekend
    from days
)

select * from final;
