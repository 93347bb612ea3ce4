package centre_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"posagent/sync/centre"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

func TestPublishRefusesBadFilesAndSignsNothing(t *testing.T) {
	c := centretest.Start(t)
	ctx := context.Background()
	badCatalogue := strings.Replace(centretest.Catalogue, "2500", "25x0", 1)
	cases := []struct {
		name, catalogue, rules string
		want                   string
	}{
		{"bad price", badCatalogue, centretest.Rules, "price_cap"},
		{"missing column", "code,name\nX1,a\n", centretest.Rules, "catalogue"},
		{"unknown rule key", centretest.Catalogue, `{"daily_cuont": 3}`, "daily_cuont"},
		{"rules not JSON", centretest.Catalogue, `{daily_count: 3`, "rules"},
		{"catalogue not UTF-8", centretest.Catalogue + "X003,\xff\xfe,,A,drug,0,0,0,0,0,0,,,,\n", centretest.Rules, "UTF-8"},
	}
	for _, tc := range cases {
		_, err := c.Centre().Publish(ctx, []byte(tc.catalogue), []byte(tc.rules))
		if !errors.Is(err, centre.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want ErrInvalid mentioning %q", tc.name, err, tc.want)
		}
	}
	if _, err := c.Store().LatestSigned(ctx, wire.KindBundle); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused publish stored a bundle (err %v)", err)
	}
	keyless, err := centre.New(centre.Config{Store: c.Store(), Logger: centretest.QuietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keyless.Publish(ctx, []byte(centretest.Catalogue), []byte(centretest.Rules)); !errors.Is(err, centre.ErrNoSigningKey) {
		t.Fatalf("publish without a key: %v, want ErrNoSigningKey", err)
	}
	doc, err := c.Centre().Publish(ctx, []byte(centretest.Catalogue), []byte(centretest.Rules))
	if err != nil || doc.Version != 1 {
		t.Fatalf("good files: version %d, %v", doc.Version, err)
	}
	if doc, err = c.Centre().Publish(ctx, []byte(centretest.Catalogue), []byte(centretest.Rules)); err != nil || doc.Version != 2 {
		t.Fatalf("second publish: version %d, %v; want 2", doc.Version, err)
	}
}
