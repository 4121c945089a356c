// What `tsc --target es2020 --module es2020 shapes.ts` writes for shapes.ts.
export var Geo;
(function (Geo) {
    /** Area of a w x h rectangle. */
    function area(w, h) {
        return w * h;
    }
    Geo.area = area;
})(Geo || (Geo = {}));
export default async function label(id, name) {
    return `${name}#${id}`;
}
